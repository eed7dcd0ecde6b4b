/**
 * Test helper process for resume.test.ts: runs an extraction job over a folder with a slow test-double
 * net (so the parent can kill it mid-batch). Usage: node resume-worker.js OUT_DIR VIDEOS_DIR
 */
import { BGR_NO_MEAN } from '../../src/features/convention.js';
import { expandInputs } from '../../src/features/inputs.js';
import { runExtractJob } from '../../src/features/job.js';
import { ChannelMeanBackend } from './test-double-backend.js';

const [outDir, videosDir] = process.argv.slice(2);
// `node --test dist/test/` also loads this file (everything under test/ matches): without arguments it does nothing.
if (outDir && videosDir) {
  const summary = await runExtractJob(expandInputs([videosDir]), new ChannelMeanBackend(4, 112, 150), {
    outDir, format: 'npy', mode: 'clips', layers: ['fc6'], convention: BGR_NO_MEAN,
    clips: { clipLength: 4, stride: 2 }, batchSize: 1, jobs: 1,
  });
  process.stdout.write(JSON.stringify({ done: summary.done, skipped: summary.skipped, failed: summary.failed.length }) + '\n');
}
