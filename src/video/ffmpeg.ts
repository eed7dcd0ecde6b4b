/** Which ffmpeg binary decodes our videos. */
import { createRequire } from 'node:module';

/**
 * The ffmpeg to run: an explicit path (`--ffmpeg PATH`) wins, then `$C3D_FFMPEG`, then the static build
 * shipped in the npm package `@ffmpeg-installer/ffmpeg` (installs offline), then `ffmpeg` on the PATH.
 */
export function resolveFfmpeg(explicit?: string): string {
  if (explicit) return explicit;
  const env = process.env.C3D_FFMPEG;
  if (env) return env;
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    if (installer.path) return installer.path;
  } catch {
    // Package not installed for this platform: fall back to the PATH.
  }
  return 'ffmpeg';
}
