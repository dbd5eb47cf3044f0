"""Read models on both backends: incremental processing equals a rebuild, every event is applied
exactly once whoever catches up, a new process sees the same positions and rows, and the read
model agrees with the aggregates it is built from."""
