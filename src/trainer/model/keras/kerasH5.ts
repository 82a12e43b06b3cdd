// Keras model files in and out: what the rest of the trainer (and the Keras application builders beside this
// folder) use. The HDF5 layouts are described in kerasWeights.ts (reading) and kerasH5Write.ts (writing); what TF.js
// refuses in a Keras config, and the fixes, in kerasConfig.ts.
export { readKerasWeights, type KerasWeight, type KerasWeights } from './kerasWeights';
export { readKerasModelFile, type KerasModelFile } from './kerasModelFile';
export { assignKerasWeights, loadKerasModel, loadKerasModelFile } from './kerasLoad';
export { writeKerasH5, WRITTEN_KERAS_VERSION, type WriteKerasH5Options } from './kerasH5Write';
