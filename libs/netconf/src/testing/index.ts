// For tests and the bench only: the parser parseXml replaced, the message corpus, corruption.
export { corrupt, corruptedMessages, seededRandom } from './corrupt';
export { referenceParseXml, referenceValidates, unvalidatedParseXml } from './reference-xml';
export { CAPTURED_MESSAGES, CORRECTED_MESSAGES, EDGE_CASE_MESSAGES, MALFORMED_MESSAGES } from './xml-corpus';
