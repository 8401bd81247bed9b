"""Loads every site_scons/h7_*.py module; each adds the builders of one part of the project.

A module defines generate(env) and is called once per build variant (env['H7_VARIANT'] is
'firmware' or 'host'), so each part keeps its build logic in its own file.
"""
import glob
import importlib
import os


def load_h7_tools(env):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, 'h7_*.py'))):
        module = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
        module.generate(env)
