"""The line protocol the bench's LineWorker speaks: each stdin line is a JSON request {"cmd": ..., ...}, each
reply one stdout line starting with "@@". A handler that raises is reported as {"error": ...}; the server keeps
serving."""
import json
import sys


def serve(handlers):
    for line in sys.stdin:
        o = json.loads(line)
        try:
            reply = handlers[o["cmd"]](o)
        except Exception as e:  # the bench reports it; the server keeps serving
            reply = {"error": repr(e)}
        print("@@" + json.dumps(reply), flush=True)
