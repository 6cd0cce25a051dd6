#!/usr/bin/env python3
"""A tiny learn config for the cluster test and the oracle-share measurement: Configs/learn_small.json with a
32×32 one-member network, 200 epochs, at most 2 minutes, total χ² only.
Usage: learn-tiny-config.py IN.json OUT.json"""
import json, sys
c = json.load(open(sys.argv[1]))
c["network"].update(hidden=[32, 32], members=1)
c["training"].update(epochs=200, max_minutes=2)
c["data"]["per_experiment"] = False
json.dump(c, open(sys.argv[2], "w"), indent=2)
