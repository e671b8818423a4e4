"""Jobs at run time: how a job is accepted, the worker that executes it, and the sweeper that mends it."""
