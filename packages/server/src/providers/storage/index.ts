export {
  checkKey,
  objectStore,
  readObject,
  type ObjectBackend,
  type ObjectBody,
  type ObjectStore,
  type StoredObject,
} from './object-store.js';
export { openObjectStore } from './open-store.js';
export {
  StorageSettingsSchema,
  storageSettingsProblems,
  type StorageSettings,
} from './settings.js';
export { putNdjsonGz, readNdjsonGz } from './ndjson.js';
