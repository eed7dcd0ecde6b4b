/**
 * glibc's malloc settings for a training process. Without them, glibc serves the step's tensors of
 * up to 32 MB from its heaps once it has seen such a block freed (the dynamic mmap threshold), keeps
 * them when freed, and the heaps fragment: C3D at batch 8 peaked at 2.3–2.6 GiB in most processes and
 * at 3.0 GiB in 4 of 26. With the threshold fixed at 4 MB every larger tensor is mapped and given
 * back when freed: 2.2–2.3 GiB in every process, at the same step time within the VM's noise
 * (docs/benchmarks.md). glibc reads its tunables when a process starts, so `c3d train` starts its
 * training in a child process with them set (src/cli/relaunch.ts); programs that call train()
 * themselves can start node with GLIBC_TUNABLES set to this value. Ignored by other C libraries.
 */
export const TRAINING_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=4194304';
