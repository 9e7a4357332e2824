export { ClassifyStage } from './classify-stage.js';
export { NotifyStage, type NotifyStageLog, type NotifyStageOptions } from './notify-stage.js';
export { RulesStage, type RulesStageLog, type RulesStageOptions } from './rules-stage.js';
