"""python -m h7context check|expand|compile: output, and bad input as one line + exit 2."""
import json
import os
import subprocess
import sys

import pytest

from h7context.__main__ import main
from h7voice import paths

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')
LIGHTS = os.path.join(EXAMPLES, 'lights.yml')


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check(capsys):
    code, out, err = run(capsys, 'check', LIGHTS)
    assert code == 0 and not err
    first, second = out.splitlines()
    assert '6 intents, 24 expressions' in first and '4,263 paths' in first
    assert second.endswith('lights.actions.yml: actions for 6 of 6 intents')


def test_check_warns(capsys, tmp_path):
    path = tmp_path / 'w.yml'
    path.write_text('context:\n  expressions:\n    a: [go]\n    b: ["go (now)"]\n'
                    '  slots:\n    s: [x]\n  macros:\n    m: [y]\n')
    code, out, _ = run(capsys, 'check', str(path))
    assert code == 0
    assert "warning: slot type 's' is not used" in out
    assert "warning: macro 'm' is not used" in out
    assert "warning: 'go' is an expression of both 'a' and 'b'" in out


def test_expand(capsys):
    code, out, _ = run(capsys, 'expand', LIGHTS, '--limit', '3')
    assert code == 0
    assert out.splitlines() == ['turnOn\tturn on kitchen light\tlocation=kitchen',
                                'turnOn\tturn on kitchen lights\tlocation=kitchen',
                                'turnOn\tturn on living room light\tlocation=living room']
    code, out, _ = run(capsys, 'expand', LIGHTS, '--limit', '2', '--json')
    assert json.loads(out.splitlines()[1]) == {'intent': 'turnOn', 'words': ['turn', 'on', 'kitchen', 'lights'],
                                               'slots': {'location': 'kitchen'}}
    code, out, _ = run(capsys, 'expand', LIGHTS)
    assert len(out.splitlines()) == 4263


def test_compile_ir(capsys, tmp_path):
    out_path = tmp_path / 'sub' / 'lights.json'
    code, out, _ = run(capsys, 'compile', LIGHTS, '-o', str(out_path))
    assert code == 0 and 'grammar IR v1' in out
    ir = json.loads(out_path.read_text())
    assert ir['format'] == 'h7context-grammar' and len(ir['intents']) == 6


@pytest.mark.parametrize('argv, says', [
    (['check', 'nope.yml'], 'nope.yml: no such file'),
    (['expand', LIGHTS, '--limit', '0'], '--limit must be at least 1'),
    (['expand', LIGHTS, '--limit', 'x'], "invalid int value: 'x'"),
    (['frobnicate'], "invalid choice: 'frobnicate'"),
    ([], 'required: command'),
    (['compile', LIGHTS], '-o/--output'),
])
def test_bad_usage(capsys, argv, says):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert len(err.splitlines()) == 1 and says in err, err


def test_bad_context_through_the_command_line(tmp_path):
    """A real process: one line on stderr, exit 2, no traceback."""
    path = tmp_path / 'bad.yml'
    path.write_text('context:\n  expressions:\n    a:\n      - turn on the light at 5 pm!\n')
    env = dict(os.environ, PYTHONPATH=paths.TOOLS)
    done = subprocess.run([sys.executable, '-m', 'h7context', 'check', str(path)], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 2 and not done.stdout
    assert done.stderr.splitlines() == [f"h7voice context: {path}:4:32: 'pm!': punctuation '!' is not "
                                        f"part of a spoken word (allowed: letters, apostrophes, hyphens, "
                                        f"digits, % and °)"]



def test_expand_sample(capsys):
    code, out, _ = run(capsys, 'expand', LIGHTS, '--sample', '5', '--seed', '2', '--json')
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 5 and all({'intent', 'words', 'slots'} == set(p) for p in lines)
    code, _, err = run(capsys, 'expand', LIGHTS, '--sample', '0')
    assert code == 2 and '--sample' in err
