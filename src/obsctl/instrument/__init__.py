"""`obsctl instrument`."""

# Share of new traces the generated code keeps unless `init --sample-ratio` says otherwise: within the
# seed's 5% overhead budget on a ~1 ms FastAPI endpoint (bench/instrument_bench.py, docs/instrument.md).
DEFAULT_SAMPLE_RATIO = 0.05
