# A trial script of the sweep files in this folder (the tests read those files; they do not run them).
import sys

print(sys.argv[1:])
