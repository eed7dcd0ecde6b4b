/** `c3d synth OUT`: procedural videos whose class is only their motion, in UCF101's layout. */
import { availableParallelism } from 'node:os';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { TrainProgress } from '../train-progress.js';
import { SYNTH_CLASSES, SYNTH_CLASS_SETS, SYNTH_DEFAULTS, generateSynthDataset, resolveSynthClasses } from '../../synth/index.js';
import { nounFor, plural } from '../plural.js';

const d = SYNTH_DEFAULTS;
const usage = `usage: c3d synth OUT [options]

Renders synthetic videos (H.264 mp4) of textured objects over textured, slowly drifting backgrounds,
whose class is defined by motion alone: appearance, position, size and textures are random. Writes
OUT/<Class>/<Class>_<nnnn>.mp4 and UCF101-style classInd.txt, trainlist01.txt, testlist01.txt, so
'c3d train --ucf101 OUT --split 1' reads it. Seeded and resumable: videos already in OUT are kept,
and the same options always render the same videos. See docs/synth.md.

  --classes SPEC        a set (${Object.keys(SYNTH_CLASS_SETS).join(', ')}) or class names a,b,…  (default all)
  --list-classes        print the classes and sets, then exit
  --videos N            videos per class (default ${d.videos})
  --frames N            frames per video (default ${d.frames})
  --size WxH            frame size (default ${d.width}x${d.height}: C3D's 171×128)
  --fps F               frame rate written in the files (default ${d.fps})
  --seed N              random seed, 0 to 2^32−1 (default ${d.seed})
  --test-fraction F     fraction of each class in testlist01.txt, in [0, 1) (default ${d.testFraction})
  --crf N               x264 quality, 0 (lossless) to 51 (default ${d.crf})
  --jobs N              videos made at once (default: the CPU count)
  --ffmpeg PATH         ffmpeg binary (default: the bundled one)`;

function listClasses(): string {
  const width = Math.max(...SYNTH_CLASSES.map((c) => c.name.length));
  const setWidth = Math.max(...Object.keys(SYNTH_CLASS_SETS).map((s) => s.length));
  return [
    ...SYNTH_CLASSES.map((c) => `${c.name.padEnd(width)}  ${c.description}`),
    '',
    'sets (--classes NAME):',
    ...Object.entries(SYNTH_CLASS_SETS).map(([name, s]) => `  ${name.padEnd(setWidth)}  ${s.description}: ${s.classes.join(', ')}`),
  ].join('\n');
}

function number(flag: string, text: string | undefined, fallback: number, ok: (v: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !ok(v)) throw new UsageError(`--${flag} must be ${what}, got '${text}'`);
  return v;
}

const integerIn = (lo: number, hi: number) => (v: number) => Number.isSafeInteger(v) && v >= lo && v <= hi;

export const synthCommand: Command = {
  name: 'synth',
  summary: 'make synthetic videos whose class is only their motion (UCF101 layout, for training)',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      classes: { type: 'string' },
      'list-classes': { type: 'boolean' },
      videos: { type: 'string' },
      frames: { type: 'string' },
      size: { type: 'string' },
      fps: { type: 'string' },
      seed: { type: 'string' },
      'test-fraction': { type: 'string' },
      crf: { type: 'string' },
      jobs: { type: 'string' },
      ffmpeg: { type: 'string' },
    });
    if (values['list-classes']) {
      process.stdout.write(listClasses() + '\n');
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the output folder OUT' : `expected one output folder, got ${positionals.length}: ${positionals.join(' ')}`);
    const out = positionals[0]!;
    let classes: string[];
    try {
      classes = resolveSynthClasses(values.classes ?? 'all');
    } catch (e) {
      throw new UsageError(`--classes: ${(e as Error).message}`);
    }
    let width: number = d.width;
    let height: number = d.height;
    if (values.size !== undefined) {
      const m = /^(\d+)[x×](\d+)$/.exec(values.size.trim());
      if (!m) throw new UsageError(`--size must be WIDTHxHEIGHT (e.g. 171x128), got '${values.size}'`);
      [width, height] = [Number(m[1]), Number(m[2])];
      if (!integerIn(16, 4096)(width) || !integerIn(16, 4096)(height)) throw new UsageError(`--size: width and height must be in [16, 4096], got '${values.size}'`);
    }
    const videos = number('videos', values.videos, d.videos, integerIn(1, 1_000_000), 'a positive integer');
    const frames = number('frames', values.frames, d.frames, integerIn(2, 100_000), 'an integer ≥ 2');
    const fps = number('fps', values.fps, d.fps, (v) => v > 0 && v <= 1000, 'a number in (0, 1000]');
    const seed = number('seed', values.seed, d.seed, integerIn(0, 0xffffffff), 'an integer in [0, 4294967295]');
    const testFraction = number('test-fraction', values['test-fraction'], d.testFraction, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    const crf = number('crf', values.crf, d.crf, integerIn(0, 51), 'an integer in [0, 51]');
    const jobs = number('jobs', values.jobs, availableParallelism(), integerIn(1, 256), 'an integer in [1, 256]');
    if (testFraction > 0 && videos < 2) throw new UsageError(`--videos ${videos} leaves no video for train or test; give --videos 2 or more, or --test-fraction 0`);

    const progress = new TrainProgress();
    progress.message(`c3d synth: ${plural(classes.length, 'class')} × ${plural(videos, 'video')}, ${plural(frames, 'frame')} of ${width}x${height} at ${fps} fps, seed ${seed}, ${plural(jobs, 'job')} → ${out}`);
    const summary = await generateSynthDataset({
      out, classes, videos, frames, width, height, fps, seed, testFraction, crf, jobs, ffmpeg: values.ffmpeg,
      onProgress: (p) => progress.stage('videos', p.done, p.total, p.kept ? ` (${p.kept} already there)` : ''),
    });
    progress.finish();
    const rate = summary.seconds > 0 ? ` (${Math.round((60 * summary.made) / summary.seconds)} videos/min)` : '';
    process.stdout.write(
      `wrote ${plural(summary.made, 'video')}${summary.kept ? `, kept ${summary.kept} already there` : ''} in ${summary.seconds.toFixed(1)} s${summary.made ? rate : ''}: ` +
        `${plural(summary.classes.length, 'class')}, ${summary.train} train / ${summary.test} test ${nounFor(summary.train + summary.test, 'video')} in ${out} ` +
        `(classInd.txt, trainlist01.txt, testlist01.txt; train with --ucf101 ${out} --split 1)\n`,
    );
    return 0;
  },
};
