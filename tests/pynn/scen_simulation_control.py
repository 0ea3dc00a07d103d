#!/usr/bin/python3
"""PyNN 0.10.1's test_simulation_control scenarios against pyNN.axon (check_scenarios.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_scenarios  # noqa: E402

sys.exit(check_scenarios.main(["test_simulation_control"]))
