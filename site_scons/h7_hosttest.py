"""env.H7HostTest(name, sources, LIBS=[...]): a host unit-test program run by `scons host-tests`.

Each test program prints 'N passed, N failed' as its last line (firmware/testing/h7test.h)
and exits non-zero on failure; tools/run_tests.py adds the counts up. The runs are aliases,
not files under build/, so a plain `scons` builds the programs without running them.
"""


def _host_test(env, name, sources, **kwargs):
    if env['H7_VARIANT'] != 'host':
        return []
    program = env.Program(name, sources, **kwargs)
    run = env.Alias(f'host-test-{name}', program,
                    [f'@echo "== host test {name}"', '@$SOURCE'])
    env.AlwaysBuild(run)
    env.Alias('host-tests', run)
    return program


def generate(env):
    env.AddMethod(_host_test, 'H7HostTest')
