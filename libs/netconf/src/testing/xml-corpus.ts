import type { XmlNode } from '../xml';

const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NOTIFICATION = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/**
 * Messages as devices sent them: the simulated device (hello, get replies for
 * the 2014 and 2018 interface trees, get-config, rpc-errors, a notification)
 * and Debian's netconfd (yuma123: pretty-printed, namespace prefixes declared
 * on the root, xml:lang, escaped capability URIs).
 */
export const CAPTURED_MESSAGES: Readonly<Record<string, string>> = {
  'sim-hello': `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability><capability>urn:ietf:params:netconf:base:1.1</capability><capability>urn:ietf:params:netconf:capability:notification:1.0</capability><capability>urn:ietf:params:netconf:capability:interleave:1.0</capability><capability>urn:ietf:params:xml:ns:yang:ietf-interfaces?module=ietf-interfaces&amp;revision=2018-02-20</capability></capabilities><session-id>835140</session-id></hello>`,
  'sim-get-interfaces-state': `<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth1</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>652531673586</in-octets><out-octets>381621010988</out-octets><in-unicast-pkts>833159098877</in-unicast-pkts><out-unicast-pkts>319412352889</out-unicast-pkts><in-errors>388644814672</in-errors></statistics></interface><interface><name>eth2</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>681332797026</in-octets><out-octets>808894190133</out-octets><in-unicast-pkts>703729753658</in-unicast-pkts><out-unicast-pkts>79045904446</out-unicast-pkts><in-errors>613749653386</in-errors></statistics></interface><interface><name>eth3</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>810402042207</in-octets><out-octets>344655435009</out-octets><in-unicast-pkts>813684479207</in-unicast-pkts><out-unicast-pkts>92979442394</out-unicast-pkts><in-errors>748044997802</in-errors></statistics></interface><interface><name>eth4</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>636150923781</in-octets><out-octets>14694793889</out-octets><in-unicast-pkts>948412326794</in-unicast-pkts><out-unicast-pkts>440763359945</out-unicast-pkts><in-errors>908995032733</in-errors></statistics></interface><interface><name>eth5</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>783909839279</in-octets><out-octets>576399274861</out-octets><in-unicast-pkts>286777391117</in-unicast-pkts><out-unicast-pkts>582531342790</out-unicast-pkts><in-errors>622202754310</in-errors></statistics></interface><interface><name>eth6</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>542836700989</in-octets><out-octets>526938616245</out-octets><in-unicast-pkts>294855484281</in-unicast-pkts><out-unicast-pkts>204010845529</out-unicast-pkts><in-errors>753850370996</in-errors></statistics></interface><interface><name>eth7</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>456249763498</in-octets><out-octets>167167895926</out-octets><in-unicast-pkts>17373356354</in-unicast-pkts><out-unicast-pkts>160287572715</out-unicast-pkts><in-errors>865226298973</in-errors></statistics></interface><interface><name>eth8</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>up</oper-status><statistics><in-octets>847635604029</in-octets><out-octets>261842302811</out-octets><in-unicast-pkts>78637971494</in-unicast-pkts><out-unicast-pkts>17404948276</out-unicast-pkts><in-errors>716404255813</in-errors></statistics></interface></interfaces-state></data></rpc-reply>`,
  'sim-get-interfaces': `<rpc-reply message-id="2" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth1</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>652531673586</in-octets><out-octets>381621010988</out-octets><in-unicast-pkts>833159098877</in-unicast-pkts><out-unicast-pkts>319412352889</out-unicast-pkts><in-errors>388644814672</in-errors></statistics></interface><interface><name>eth2</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>681332797026</in-octets><out-octets>808894190133</out-octets><in-unicast-pkts>703729753658</in-unicast-pkts><out-unicast-pkts>79045904446</out-unicast-pkts><in-errors>613749653386</in-errors></statistics></interface><interface><name>eth3</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>810402042207</in-octets><out-octets>344655435009</out-octets><in-unicast-pkts>813684479207</in-unicast-pkts><out-unicast-pkts>92979442394</out-unicast-pkts><in-errors>748044997802</in-errors></statistics></interface><interface><name>eth4</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>636150923781</in-octets><out-octets>14694793889</out-octets><in-unicast-pkts>948412326794</in-unicast-pkts><out-unicast-pkts>440763359945</out-unicast-pkts><in-errors>908995032733</in-errors></statistics></interface><interface><name>eth5</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>783909839279</in-octets><out-octets>576399274861</out-octets><in-unicast-pkts>286777391117</in-unicast-pkts><out-unicast-pkts>582531342790</out-unicast-pkts><in-errors>622202754310</in-errors></statistics></interface><interface><name>eth6</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>542836700989</in-octets><out-octets>526938616245</out-octets><in-unicast-pkts>294855484281</in-unicast-pkts><out-unicast-pkts>204010845529</out-unicast-pkts><in-errors>753850370996</in-errors></statistics></interface><interface><name>eth7</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>456249763498</in-octets><out-octets>167167895926</out-octets><in-unicast-pkts>17373356354</in-unicast-pkts><out-unicast-pkts>160287572715</out-unicast-pkts><in-errors>865226298973</in-errors></statistics></interface><interface><name>eth8</name><enabled>true</enabled><oper-status>up</oper-status><statistics><in-octets>847635604029</in-octets><out-octets>261842302811</out-octets><in-unicast-pkts>78637971494</in-unicast-pkts><out-unicast-pkts>17404948276</out-unicast-pkts><in-errors>716404255813</in-errors></statistics></interface></interfaces></data></rpc-reply>`,
  'sim-get-config': `<rpc-reply message-id="3" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth1</name><description>simulated eth1</description><enabled>true</enabled></interface><interface><name>eth2</name><description>simulated eth2</description><enabled>true</enabled></interface><interface><name>eth3</name><description>simulated eth3</description><enabled>true</enabled></interface><interface><name>eth4</name><description>simulated eth4</description><enabled>true</enabled></interface><interface><name>eth5</name><description>simulated eth5</description><enabled>true</enabled></interface><interface><name>eth6</name><description>simulated eth6</description><enabled>true</enabled></interface><interface><name>eth7</name><description>simulated eth7</description><enabled>true</enabled></interface><interface><name>eth8</name><description>simulated eth8</description><enabled>true</enabled></interface></interfaces></data></rpc-reply>`,
  'sim-rpc-error': `<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>application</error-type><error-tag>in-use</error-tag><error-severity>error</error-severity><error-path>/interfaces</error-path><error-message xml:lang="en">simulated failure</error-message></rpc-error></rpc-reply>`,
  'sim-unsupported': `<rpc-reply message-id="4" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>protocol</error-type><error-tag>operation-not-supported</error-tag><error-severity>error</error-severity><error-message>not simulated</error-message></rpc-error></rpc-reply>`,
  'sim-create-subscription': `<rpc-reply message-id="5" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>`,
  'sim-notification': `<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-11-27T09:05:22.193Z</eventTime><interface-statistics xmlns="urn:switch-telemetry:sim:interfaces"><interface><name>eth1</name><oper-status>up</oper-status><in-octets>652542770552</in-octets><out-octets>381629173292</out-octets></interface><interface><name>eth2</name><oper-status>up</oper-status><in-octets>681342149115</in-octets><out-octets>808903551395</out-octets></interface><interface><name>eth3</name><oper-status>up</oper-status><in-octets>810422800065</in-octets><out-octets>344662871131</out-octets></interface><interface><name>eth4</name><oper-status>up</oper-status><in-octets>636165823094</in-octets><out-octets>14711430591</out-octets></interface><interface><name>eth5</name><oper-status>up</oper-status><in-octets>783918883500</in-octets><out-octets>576422205697</out-octets></interface><interface><name>eth6</name><oper-status>up</oper-status><in-octets>542857031493</in-octets><out-octets>526950299551</out-octets></interface><interface><name>eth7</name><oper-status>up</oper-status><in-octets>456262690660</in-octets><out-octets>167182002426</out-octets></interface><interface><name>eth8</name><oper-status>up</oper-status><in-octets>847656548247</in-octets><out-octets>261854248182</out-octets></interface></interface-statistics></notification>`,
  'netconfd-hello': `<?xml version="1.0" encoding="UTF-8"?>
<hello xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"
  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <capabilities>
    <capability>urn:ietf:params:netconf:base:1.0</capability>
    <capability>urn:ietf:params:netconf:base:1.1</capability>
    <capability>urn:ietf:params:netconf:capability:writable-running:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:rollback-on-error:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:validate:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:validate:1.1</capability>
    <capability>urn:ietf:params:netconf:capability:url:1.0?scheme=file</capability>
    <capability>urn:ietf:params:netconf:capability:xpath:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:notification:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:interleave:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:partial-lock:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&amp;also-supported=trim,report-all,report-all-tagged</capability>
    <capability>urn:ietf:params:xml:ns:yang:iana-crypt-hash?module=iana-crypt-hash&amp;revision=2014-08-06&amp;features=crypt-hash-md5,crypt-hash-sha-256,crypt-hash-sha-512</capability>
    <capability>urn:ietf:params:xml:ns:yang:iana-if-type?module=iana-if-type&amp;revision=2014-05-08</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-inet-types?module=ietf-inet-types&amp;revision=2013-07-15</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-interfaces?module=ietf-interfaces&amp;revision=2014-05-08&amp;features=arbitrary-names,pre-provisioning,if-mib</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-ip?module=ietf-ip&amp;revision=2014-06-16&amp;features=ipv4-non-contiguous-netmasks,ipv6-privacy-autoconf</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-acm?module=ietf-netconf-acm&amp;revision=2018-02-14</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring?module=ietf-netconf-monitoring&amp;revision=2010-10-04</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-notifications?module=ietf-netconf-notifications&amp;revision=2012-02-06</capability>
    <capability>urn:ietf:params:xml:ns:netconf:partial-lock:1.0?module=ietf-netconf-partial-lock&amp;revision=2009-10-19</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults?module=ietf-netconf-with-defaults&amp;revision=2011-06-01</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-system?module=ietf-system&amp;revision=2014-08-06&amp;features=radius,authentication,local-users,radius-authentication,ntp,ntp-udp-port,timezone-name,dns-udp-tcp-port</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-yang-library?module=ietf-yang-library&amp;revision=2016-06-21</capability>
    <capability>urn:ietf:params:xml:ns:yang:ietf-yang-types?module=ietf-yang-types&amp;revision=2013-07-15</capability>
    <capability>http://yuma123.org/ns/interfaces-notifications?module=interfaces-notifications&amp;revision=2016-11-12</capability>
    <capability>urn:ietf:params:xml:ns:netmod:notification?module=nc-notifications&amp;revision=2008-07-14</capability>
    <capability>urn:ietf:params:xml:ns:netconf:notification:1.0?module=notifications&amp;revision=2008-07-14</capability>
    <capability>http://netconfcentral.org/ns/yuma-app-common?module=yuma-app-common&amp;revision=2012-08-16</capability>
    <capability>http://netconfcentral.org/ns/yuma-mysession?module=yuma-mysession&amp;revision=2010-05-10</capability>
    <capability>http://netconfcentral.org/ns/yuma-ncx?module=yuma-ncx&amp;revision=2012-01-13</capability>
    <capability>http://netconfcentral.org/ns/yuma-proc?module=yuma-proc&amp;revision=2012-10-10</capability>
    <capability>http://netconfcentral.org/ns/yuma-time-filter?module=yuma-time-filter&amp;revision=2012-11-15</capability>
    <capability>http://netconfcentral.org/ns/yuma-types?module=yuma-types&amp;revision=2012-06-01</capability>
    <capability>http://yuma123.org/ns/yuma123-mysession-cache?module=yuma123-mysession-cache&amp;revision=2018-11-12</capability>
    <capability>urn:ietf:params:xml:ns:netconf:base:1.0?module=ietf-netconf&amp;revision=2011-06-01&amp;features=writable-running,candidate,confirmed-commit,rollback-on-error,validate,startup,url,xpath</capability>
    <capability>http://yuma123.org/ns/yuma123-netconf-types?module=yuma123-netconf-types&amp;revision=2017-06-23</capability>
    <capability>http://yuma123.org/ns/yuma123-system?module=yuma123-system&amp;revision=2017-03-26</capability>
    <capability>urn:ietf:params:netconf:capability:yang-library:1.0?revision=2016-06-21&amp;module-set-id=a385b739ab089b630d2cdf4a06db5885b7024c55</capability>
  </capabilities>
  <session-id>6</session-id>
</hello>`,
  'netconfd-get-interfaces-state': `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply message-id="1" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"
  last-modified="2026-11-27T08:31:27Z"
  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <data>
    <interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">
      <interface>
        <name>lo</name>
        <oper-status>unknown</oper-status>
        <statistics>
          <in-octets>858923888</in-octets>
          <in-unicast-pkts>569731</in-unicast-pkts>
          <in-errors>0</in-errors>
          <in-discards>0</in-discards>
          <in-multicast-pkts>0</in-multicast-pkts>
          <out-octets>858923888</out-octets>
          <out-unicast-pkts>569731</out-unicast-pkts>
          <out-errors>0</out-errors>
          <out-discards>0</out-discards>
        </statistics>
        <ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip"/>
      </interface>
      <interface>
        <name>ifb0</name>
        <oper-status>down</oper-status>
        <statistics>
          <in-octets>0</in-octets>
          <in-unicast-pkts>0</in-unicast-pkts>
          <in-errors>0</in-errors>
          <in-discards>0</in-discards>
          <in-multicast-pkts>0</in-multicast-pkts>
          <out-octets>0</out-octets>
          <out-unicast-pkts>0</out-unicast-pkts>
          <out-errors>0</out-errors>
          <out-discards>0</out-discards>
        </statistics>
        <ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip"/>
      </interface>
      <interface>
        <name>ifb1</name>
        <oper-status>down</oper-status>
        <statistics>
          <in-octets>0</in-octets>
          <in-unicast-pkts>0</in-unicast-pkts>
          <in-errors>0</in-errors>
          <in-discards>0</in-discards>
          <in-multicast-pkts>0</in-multicast-pkts>
          <out-octets>0</out-octets>
          <out-unicast-pkts>0</out-unicast-pkts>
          <out-errors>0</out-errors>
          <out-discards>0</out-discards>
        </statistics>
        <ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip"/>
      </interface>
      <interface>
        <name>eth0</name>
        <oper-status>up</oper-status>
        <speed>18446744073708551616</speed>
        <statistics>
          <in-octets>225806313</in-octets>
          <in-unicast-pkts>7417</in-unicast-pkts>
          <in-errors>0</in-errors>
          <in-discards>0</in-discards>
          <in-multicast-pkts>0</in-multicast-pkts>
          <out-octets>1242015</out-octets>
          <out-unicast-pkts>6745</out-unicast-pkts>
          <out-errors>0</out-errors>
          <out-discards>0</out-discards>
        </statistics>
        <ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip"/>
      </interface>
    </interfaces-state>
  </data>
</rpc-reply>`,
  'netconfd-get-config': `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply message-id="2" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"
  last-modified="2026-11-27T08:31:27Z"
  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <data>
    <nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm">
    </nacm>
  </data>
</rpc-reply>`,
  'netconfd-get-netconf-state': `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply message-id="4" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"
  last-modified="2026-11-27T08:31:27Z"
  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <data>
    <netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">
      <capabilities>
        <capability>urn:ietf:params:netconf:base:1.0</capability>
        <capability>urn:ietf:params:netconf:base:1.1</capability>
        <capability>urn:ietf:params:netconf:capability:writable-running:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:rollback-on-error:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:validate:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:validate:1.1</capability>
        <capability>urn:ietf:params:netconf:capability:url:1.0?scheme=file</capability>
        <capability>urn:ietf:params:netconf:capability:xpath:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:notification:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:interleave:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:partial-lock:1.0</capability>
        <capability>urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&amp;also-supported=trim,report-all,report-all-tagged</capability>
        <capability>urn:ietf:params:xml:ns:yang:iana-crypt-hash?module=iana-crypt-hash&amp;revision=2014-08-06&amp;features=crypt-hash-md5,crypt-hash-sha-256,crypt-hash-sha-512</capability>
        <capability>urn:ietf:params:xml:ns:yang:iana-if-type?module=iana-if-type&amp;revision=2014-05-08</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-inet-types?module=ietf-inet-types&amp;revision=2013-07-15</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-interfaces?module=ietf-interfaces&amp;revision=2014-05-08&amp;features=arbitrary-names,pre-provisioning,if-mib</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-ip?module=ietf-ip&amp;revision=2014-06-16&amp;features=ipv4-non-contiguous-netmasks,ipv6-privacy-autoconf</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-acm?module=ietf-netconf-acm&amp;revision=2018-02-14</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring?module=ietf-netconf-monitoring&amp;revision=2010-10-04</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-notifications?module=ietf-netconf-notifications&amp;revision=2012-02-06</capability>
        <capability>urn:ietf:params:xml:ns:netconf:partial-lock:1.0?module=ietf-netconf-partial-lock&amp;revision=2009-10-19</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults?module=ietf-netconf-with-defaults&amp;revision=2011-06-01</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-system?module=ietf-system&amp;revision=2014-08-06&amp;features=radius,authentication,local-users,radius-authentication,ntp,ntp-udp-port,timezone-name,dns-udp-tcp-port</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-yang-library?module=ietf-yang-library&amp;revision=2016-06-21</capability>
        <capability>urn:ietf:params:xml:ns:yang:ietf-yang-types?module=ietf-yang-types&amp;revision=2013-07-15</capability>
        <capability>http://yuma123.org/ns/interfaces-notifications?module=interfaces-notifications&amp;revision=2016-11-12</capability>
        <capability>urn:ietf:params:xml:ns:netmod:notification?module=nc-notifications&amp;revision=2008-07-14</capability>
        <capability>urn:ietf:params:xml:ns:netconf:notification:1.0?module=notifications&amp;revision=2008-07-14</capability>
        <capability>http://netconfcentral.org/ns/yuma-app-common?module=yuma-app-common&amp;revision=2012-08-16</capability>
        <capability>http://netconfcentral.org/ns/yuma-mysession?module=yuma-mysession&amp;revision=2010-05-10</capability>
        <capability>http://netconfcentral.org/ns/yuma-ncx?module=yuma-ncx&amp;revision=2012-01-13</capability>
        <capability>http://netconfcentral.org/ns/yuma-proc?module=yuma-proc&amp;revision=2012-10-10</capability>
        <capability>http://netconfcentral.org/ns/yuma-time-filter?module=yuma-time-filter&amp;revision=2012-11-15</capability>
        <capability>http://netconfcentral.org/ns/yuma-types?module=yuma-types&amp;revision=2012-06-01</capability>
        <capability>http://yuma123.org/ns/yuma123-mysession-cache?module=yuma123-mysession-cache&amp;revision=2018-11-12</capability>
        <capability>urn:ietf:params:xml:ns:netconf:base:1.0?module=ietf-netconf&amp;revision=2011-06-01&amp;features=writable-running,candidate,confirmed-commit,rollback-on-error,validate,startup,url,xpath</capability>
        <capability>http://yuma123.org/ns/yuma123-netconf-types?module=yuma123-netconf-types&amp;revision=2017-06-23</capability>
        <capability>http://yuma123.org/ns/yuma123-system?module=yuma123-system&amp;revision=2017-03-26</capability>
        <capability>urn:ietf:params:netconf:capability:yang-library:1.0?revision=2016-06-21&amp;module-set-id=a385b739ab089b630d2cdf4a06db5885b7024c55</capability>
      </capabilities>
    </netconf-state>
  </data>
</rpc-reply>`,
  'netconfd-rpc-error': `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply message-id="3" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"
  xmlns:ncx="http://netconfcentral.org/ns/yuma-ncx"
  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <rpc-error>
    <error-type>protocol</error-type>
    <error-tag>unknown-element</error-tag>
    <error-severity>error</error-severity>
    <error-app-tag>data-invalid</error-app-tag>
    <error-path>/nc:rpc/nc:get-config/nc:source</error-path>
    <error-message xml:lang="en">unknown object</error-message>
    <error-info>
      <bad-element
        xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">nc:nonesuch</bad-element>
      <error-number xmlns="http://netconfcentral.org/ns/yuma-ncx">293</error-number>
    </error-info>
  </rpc-error>
</rpc-reply>`,
  'netconfd-create-subscription': `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply message-id="5" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"
  xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <ok/>
</rpc-reply>`,
};

/** Well-formed messages that exercise what the parser must handle: both parsers give the same tree for each. */
export const EDGE_CASE_MESSAGES: Readonly<Record<string, string>> = {
  'prefixed names and attributes': `<?xml version="1.0" encoding="UTF-8"?>
<nc:rpc-reply xmlns:nc="${BASE}" nc:message-id="7" xmlns:if="urn:ietf:params:xml:ns:yang:ietf-interfaces"><nc:data><if:interfaces-state><if:interface><if:name>ge-0/0/0</if:name><if:statistics><if:in-octets>18446744073709551615</if:in-octets></if:statistics></if:interface></if:interfaces-state></nc:data></nc:rpc-reply>`,
  'vendor attributes in another namespace': `<rpc-reply xmlns:junos="http://xml.juniper.net/junos/21.4R0/junos" message-id="3" xmlns="${BASE}"><data><configuration junos:commit-seconds="1700000000" junos:commit-localtime="2023-11-14 22:13:20 UTC" junos:commit-user="admin"><interfaces><interface><name>ge-0/0/0</name><unit><name>0</name><family><inet><address><name>192.0.2.1/24</name></address><address><name>192.0.2.2/24</name></address></inet></family></unit></interface></interfaces></configuration></data></rpc-reply>`,
  'single quotes and white space in tags': `<rpc-reply message-id='9'
   xmlns = "${BASE}"  ><ok
/></rpc-reply >`,
  'self-closing and empty elements': `<rpc-reply message-id="4" xmlns="${BASE}"><data><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth0</name><enabled/><description></description><mtu>1500</mtu><ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip" /></interface></interfaces></data></rpc-reply>`,
  'CDATA sections': `<notification xmlns="${NOTIFICATION}"><eventTime>2026-01-01T00:00:00Z</eventTime><log xmlns="urn:example:log"><entry><message><![CDATA[<b>link down</b> & flapping]]></message></entry><entry><message>before <![CDATA[ raw ]]> after</message></entry><entry><message><![CDATA[]]></message></entry></log></notification>`,
  'comments, PIs and white space between elements': `<?xml version="1.0"?>
<!-- a device banner -->
<rpc-reply message-id="5" xmlns="${BASE}"><!-- inside --><data>
  <x xmlns="urn:example">
    <leaf> padded <!-- split --> value </leaf>
    <other>
\t\tv
\t</other>
  </x>
</data></rpc-reply>
<!-- trailing -->
`,
  'the five predefined entities': `<rpc-reply message-id="6" xmlns="${BASE}"><data><x xmlns="urn:example" note="a &amp; b &lt;c&gt; &quot;q&quot; &apos;s&apos;"><description>R&amp;D &lt;lab&gt; &quot;north&quot; &apos;rack&apos; 3 &gt; 2 &amp;amp;</description></x></data></rpc-reply>`,
  'mixed content and several rpc-errors': `<rpc-reply message-id="8" xmlns="${BASE}"><rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity><error-info>see <bad-element>mtu</bad-element> and text</error-info></rpc-error><rpc-error><error-type>protocol</error-type><error-tag>lock-denied</error-tag><error-severity>warning</error-severity><error-info><session-id>12</session-id></error-info></rpc-error></rpc-reply>`,
  'attributes beside text': `<rpc-reply message-id="15" xmlns="${BASE}"><data><counters xmlns="urn:example" xmlns:u="urn:example:units"><counter unit="octets" u:scale=" 3 ">42</counter><counter unit="pkts">7</counter><flag set="true"/><tabbed a="one\ttwo
three">x</tabbed></counters></data></rpc-reply>`,
  'CR LF line ends': `<rpc-reply message-id="10"\r
 xmlns="${BASE}">\r
<data>\r
<x xmlns="urn:example"><d>line one\r
line two\rline three</d></x>\r
</data>\r
</rpc-reply>\r
`,
  'text and names beyond ASCII': `<rpc-reply message-id="11" xmlns="${BASE}"><data><x xmlns="urn:example"><description>Übergang — 東京 ✓ 😀</description><über>ja</über><名前>値</名前></x></data></rpc-reply>`,
  'names of Object.prototype methods': `<rpc-reply message-id="12" xmlns="${BASE}"><data><x xmlns="urn:example"><toString>a</toString><valueOf>b</valueOf><hasOwnProperty>c</hasOwnProperty><toLocaleString>d</toLocaleString><isPrototypeOf>e</isPrototypeOf><toString>f</toString></x></data></rpc-reply>`,
  'repeated names and lists at any depth': `<rpc-reply message-id="13" xmlns="${BASE}"><data><x xmlns="urn:example"><leaf-list>1</leaf-list><leaf-list>2</leaf-list><other/><leaf-list>3</leaf-list><entry><k>1</k></entry><neighbor><ip>10.0.0.1</ip><address><ip>10.0.0.1</ip></address></neighbor></x></data></rpc-reply>`,
  'a full XML declaration': `<?xml version='1.0' encoding='utf-8' standalone='yes' ?><hello xmlns="${BASE}"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>4</session-id></hello>`,
  'a byte order mark': `\uFEFF<?xml version="1.0"?><rpc-reply message-id="1" xmlns="${BASE}"><ok/></rpc-reply>`,
  'empty data': `<rpc-reply message-id="16" xmlns="${BASE}"><data/></rpc-reply>`,
  'blank data': `<rpc-reply message-id="17" xmlns="${BASE}"><data>
  </data></rpc-reply>`,
  "'>' in text and attributes, ']]' in text": `<rpc-reply message-id="18" xmlns="${BASE}"><data><x xmlns="urn:example" a="1 > 0">b > a, c]]d</x></data></rpc-reply>`,
  'names with dots, dashes, underscores and digits': `<rpc-reply message-id="19" xmlns="${BASE}"><data><a.b-c_d1 xmlns="urn:example"><_x>1</_x><y.2>2</y.2></a.b-c_d1></data></rpc-reply>`,
  'deep nesting': `<rpc-reply message-id="20" xmlns="${BASE}"><data>${'<n>'.repeat(60)}leaf${'</n>'.repeat(60)}</data></rpc-reply>`,
  'an attribute repeated under two prefixes': `<rpc-reply message-id="21" xmlns="${BASE}" xmlns:a="urn:a" xmlns:b="urn:b"><data a:x="1" b:x="2">t</data></rpc-reply>`,
};

/**
 * Well-formed messages where the previous parser was wrong, with what
 * parseXml gives: character references are replaced (XML 1.0 §4.1; the
 * previous parser left them as written) and processing instructions are
 * skipped (§2.6: they are for an application, not data; the previous parser
 * made each an empty `?target` child, which the normalisers turned into a leaf).
 */
export const CORRECTED_MESSAGES: ReadonlyArray<{ name: string; xml: string; tree: XmlNode }> = [
  {
    name: 'character references',
    xml: `<x a="&#65;&#x42;">&#72;&#x49; &#x1F600;&#10;</x>`,
    // Text is trimmed before references are replaced: a referenced newline is kept.
    tree: { x: { '#text': 'HI \u{1F600}\n', '@a': 'AB' } },
  },
  { name: 'a processing instruction in content', xml: `<x><?app data?><y>1</y></x>`, tree: { x: { y: '1' } } },
  {
    name: 'a processing instruction beside the root',
    xml: `<?xml version="1.0"?><?app x?><x/><?app y?>`,
    tree: { '?xml': { '@version': '1.0' }, x: '' },
  },
];

/**
 * Messages that are not well-formed XML, or are refused on purpose (a DTD,
 * another encoding, names that reach Object.prototype): parseXml throws
 * XmlError for each.
 */
export const MALFORMED_MESSAGES: readonly string[] = [
  '',
  '   ',
  '<?xml version="1.0"?>',
  '<a>a & b</a>',
  '<a>a < b</a>',
  '<a><b></a></b>',
  '<a></a><b></b>',
  '<a x="1" x="2"/>',
  '<a xmlns:p="u" p:x="1" p:x="2"/>',
  '<a x=1/>',
  '<a x/>',
  '<a x="1"y="2"/>',
  '<a x=\'1"/>',
  '<1a/>',
  '<-a/>',
  '<:a/>',
  '<a:/>',
  '<a:b:c/>',
  'junk<a/>',
  '<a/>junk',
  '< a/>',
  '<a></ a>',
  '<a></b>',
  '<a></ab>',
  '<a/ >',
  '<a',
  '<a x="1"',
  '<a>',
  '</a>',
  '<a>&unknown;</a>',
  '<a>&lt</a>',
  '<a>&;</a>',
  '<a>&#;</a>',
  '<a>&#x;</a>',
  '<a>&#65</a>',
  '<a>&#0;</a>',
  '<a>&#xD800;</a>',
  '<a>&#x110000;</a>',
  '<a>&#xFFFE;</a>',
  '<a b="x<y"/>',
  '<a b="x&y"/>',
  '<a b="&bogus;"/>',
  '<a>]]></a>',
  '<a>\u0001</a>',
  '<a b="\u0000"/>',
  '<a>\uFFFF</a>',
  '<a><!-- a -- b --></a>',
  '<a><!-- a ---></a>',
  '<a><!-- open</a>',
  '<a><![CDATA[x</a>',
  '<![CDATA[x]]><a/>',
  '<a><!ELEMENT a ANY></a>',
  '<a><?xml version="1.0"?></a>',
  ' <?xml version="1.0"?><a/>',
  '<?xml version="2.0"?><a/>',
  '<?xml?><a/>',
  '<?xml version="1.0" encoding="ISO-8859-1"?><a/>',
  '<?xml version="1.0" encoding="UTF-16"?><a/>',
  '<?xml version="1.0" standalone="maybe"?><a/>',
  '<a><?pi</a>',
  '<a><? pi?></a>',
  '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
  '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>',
  '<a><constructor/></a>',
  '<__proto__/>',
  '<a><b:prototype xmlns:b="u"/></a>',
];
