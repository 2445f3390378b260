export { describeAppLifecycle, type AppLifecycleOptions } from './describe-app-lifecycle';
export { spawnApp, type SpawnedApp } from './spawn-app';
