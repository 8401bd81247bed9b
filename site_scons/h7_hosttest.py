"""env.H7HostTest(name, sources, LIBS=[...]): a host unit-test program run by `scons host-tests`.

Each test program prints 'N passed, N failed' as its last line (firmware/testing/h7test.h)
and exits non-zero on failure; tools/test.sh adds the counts up.
"""


def _host_test(env, name, sources, **kwargs):
    if env['H7_VARIANT'] != 'host':
        return []
    program = env.Program(name, sources, **kwargs)
    run = env.Command(f'{name}.passed', program,
                      [f'@echo "== host test {name}"', '@$SOURCE', 'touch $TARGET'])
    env.AlwaysBuild(run)
    env.Alias('host-tests', run)
    return program


def generate(env):
    env.AddMethod(_host_test, 'H7HostTest')
