"""The GDB remote stub, driven by a minimal client speaking the remote protocol."""
import socket
import threading

from h7sim.board import Board
from h7sim.gdbstub import serve


def packet(sock, data):
    sock.sendall(f'${data}#{sum(data.encode()) & 0xff:02x}'.encode())
    reply = b''
    while True:
        reply += sock.recv(4096)
        if b'#' in reply and len(reply) >= reply.index(b'#') + 3:
            break
    start = reply.index(b'$')
    return reply[start + 1:reply.index(b'#', start)].decode()


def test_break_continue_step_and_memory(core_test_elf):
    board = Board(core_test_elf)
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    thread = threading.Thread(target=serve, args=(board, port, 1.0), daemon=True)
    thread.start()
    sock = None
    for _ in range(100):
        try:
            sock = socket.create_connection(('127.0.0.1', port), timeout=10)
            break
        except OSError:
            threading.Event().wait(0.02)
    assert sock is not None
    handler = board.symbol('systick_handler')
    assert packet(sock, '?') == 'S05'
    regs = packet(sock, 'g')
    pc = int.from_bytes(bytes.fromhex(regs[15 * 8:16 * 8]), 'little')
    assert pc == board.symbol('reset_handler')
    assert packet(sock, f'Z0,{handler:x},2') == 'OK'
    assert packet(sock, 'c') == 'S05'
    assert board.pc == handler
    assert packet(sock, 'c') == 'S05'  # the next SysTick
    assert packet(sock, 's') == 'S05'
    assert board.pc != handler
    assert packet(sock, 'm8000000,4') == board.read_memory(0x08000000, 4).hex()
    assert packet(sock, f'z0,{handler:x},2') == 'OK'
    assert packet(sock, 'D') == 'OK'
    thread.join(timeout=10)
    sock.close()
