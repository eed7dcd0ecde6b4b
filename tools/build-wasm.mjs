// Placeholder until the AssemblyScript kernels land (issue 2): nothing to compile yet.
