/** Every sub-command, in the order `c3d --help` lists them. Add one import + one entry per command. */
import type { Command } from '../command.js';
import { convert } from './convert.js';
import { inspect } from './inspect.js';
import { models } from './models.js';
import { exportOnnx } from './export-onnx.js';
import { extract } from './extract.js';
import { classify } from './classify.js';
import { evalCommand } from './eval.js';
import { searchCommand } from './search.js';
import { trainCommand } from './train.js';
import { testCommand } from './test.js';
import { synthCommand } from './synth.js';
import { visualizeCommand } from './visualize.js';
import { runtimeCommand } from './runtime.js';
import { demoCommand } from './demo.js';
import { workerCommand } from './worker.js';
import { queueCommand } from './queue.js';
import { quantizeCommand } from './quantize.js';
import { serveCommand } from './serve.js';

export const commands: Command[] = [convert, inspect, models, exportOnnx, quantizeCommand, extract, classify, evalCommand, searchCommand, trainCommand, testCommand, synthCommand, visualizeCommand, runtimeCommand, demoCommand, workerCommand, queueCommand, serveCommand];
