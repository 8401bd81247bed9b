import os
import sys

# Lets the tests import the helper modules next to them (numpy_reference, signals).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
