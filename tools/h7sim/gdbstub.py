"""GDB remote-protocol stub for the simulated board (gdb-multiarch: `target remote :PORT`).

Supports: registers r0-r12, sp, lr, pc, xpsr (M-profile target description), memory
read/write, software breakpoints (Z0/z0), continue (c), single step (s), Ctrl-C, detach
and kill. Virtual time advances only while the target runs."""
import socket

from unicorn import UcError, UC_HOOK_CODE
from unicorn.arm_const import UC_ARM_REG_R0, UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC, \
    UC_ARM_REG_XPSR

REGISTERS = [UC_ARM_REG_R0 + i for i in range(13)] + [UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC,
                                                       UC_ARM_REG_XPSR]
TARGET_XML = ('<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target version="1.0">'
              '<architecture>arm</architecture><feature name="org.gnu.gdb.arm.m-profile">'
              + ''.join(f'<reg name="r{i}" bitsize="32" regnum="{i}"/>' for i in range(13))
              + '<reg name="sp" bitsize="32" type="data_ptr" regnum="13"/>'
                '<reg name="lr" bitsize="32" regnum="14"/>'
                '<reg name="pc" bitsize="32" type="code_ptr" regnum="15"/>'
                '<reg name="xpsr" bitsize="32" regnum="16"/></feature></target>')
SLICE_SECONDS = 0.002  # virtual time run between checks for Ctrl-C


def checksum(data):
    return sum(data.encode()) & 0xff


class GdbStub:
    def __init__(self, board, conn, seconds):
        self.board = board
        self.conn = conn
        self.end_time = board.time + seconds
        self.breakpoints = {}
        self.hit = None
        self.skip = None
        self.buffer = b''

    # ------------------------------------------------------------ packets
    def send(self, data):
        self.conn.sendall(f'${data}#{checksum(data):02x}'.encode())

    def read_packet(self):
        while True:
            while b'$' not in self.buffer or b'#' not in self.buffer[self.buffer.index(b'$'):]:
                chunk = self.conn.recv(4096)
                if not chunk:
                    return None
                self.buffer += chunk
            start = self.buffer.index(b'$')
            end = self.buffer.index(b'#', start)
            if len(self.buffer) < end + 3:
                chunk = self.conn.recv(4096)
                if not chunk:
                    return None
                self.buffer += chunk
                continue
            packet = self.buffer[start + 1:end].decode(errors='replace')
            self.buffer = self.buffer[end + 3:]
            self.conn.sendall(b'+')
            return packet

    def interrupted(self):
        self.conn.setblocking(False)
        try:
            data = self.conn.recv(64)
        except BlockingIOError:
            data = b''
        finally:
            self.conn.setblocking(True)
        if b'\x03' in data:
            return True
        self.buffer += data.replace(b'+', b'')
        return False

    # ------------------------------------------------------------ target control
    def _on_code(self, uc, address, size, user):
        if address in self.breakpoints:
            if self.skip == address:
                self.skip = None
                return
            self.hit = address
            self.board.external_stop = True
            uc.emu_stop()

    def add_breakpoint(self, address):
        if address in self.breakpoints:
            return
        self.breakpoints[address] = self.board.uc.hook_add(UC_HOOK_CODE, self._on_code, begin=address,
                                                          end=address)
        self.board.uc.ctl_remove_cache(address, address + 4)

    def remove_breakpoint(self, address):
        handle = self.breakpoints.pop(address, None)
        if handle is not None:
            self.board.uc.hook_del(handle)
            self.board.uc.ctl_remove_cache(address, address + 4)

    def step(self):
        board = self.board
        before = board.core.instructions
        pc = board.pc
        self.skip = pc
        board.core.deadline = before + 1_000_000
        try:
            board.uc.emu_start(pc | 1, 0xffffffff, count=1)
        except UcError as exc:
            board._on_uc_error(exc)
        board.core.instructions = before + 1
        self.skip = None
        return 'S05'

    def cont(self):
        board = self.board
        self.hit = None
        if board.pc in self.breakpoints:
            self.skip = board.pc
        while True:
            if board.time >= self.end_time:
                return 'W00'
            board.run(seconds=min(SLICE_SECONDS, self.end_time - board.time), until=lambda b: self.hit is not None)
            if self.hit is not None:
                return 'S05'
            if board.halted:
                return 'S0b'  # SIGSEGV: fault/lockup
            if self.interrupted():
                return 'S02'

    # ------------------------------------------------------------ commands
    def handle(self, packet):
        board = self.board
        cmd = packet[:1]
        if packet == '?':
            return 'S05'
        if packet.startswith('qSupported'):
            return 'PacketSize=4000;qXfer:features:read+'
        if packet.startswith('qXfer:features:read:target.xml:'):
            offset, length = (int(x, 16) for x in packet.split(':')[-1].split(','))
            chunk = TARGET_XML[offset:offset + length]
            return ('l' if offset + length >= len(TARGET_XML) else 'm') + chunk
        if packet == 'qAttached':
            return '1'
        if packet == 'qfThreadInfo':
            return 'm1'
        if packet == 'qsThreadInfo':
            return 'l'
        if packet == 'qC':
            return 'QC1'
        if cmd == 'H' or packet.startswith('T'):
            return 'OK'
        if cmd == 'g':
            return ''.join(board.uc.reg_read(r).to_bytes(4, 'little').hex() for r in REGISTERS)
        if cmd == 'G':
            data = bytes.fromhex(packet[1:])
            for i, reg in enumerate(REGISTERS):
                if 4 * i + 4 <= len(data):
                    board.uc.reg_write(reg, int.from_bytes(data[4 * i:4 * i + 4], 'little'))
            return 'OK'
        if cmd == 'p':
            n = int(packet[1:], 16)
            return board.uc.reg_read(REGISTERS[n]).to_bytes(4, 'little').hex() if n < len(REGISTERS) else 'E01'
        if cmd == 'P':
            n, value = packet[1:].split('=')
            n = int(n, 16)
            if n >= len(REGISTERS):
                return 'E01'
            board.uc.reg_write(REGISTERS[n], int.from_bytes(bytes.fromhex(value), 'little'))
            return 'OK'
        if cmd == 'm':
            addr, length = (int(x, 16) for x in packet[1:].split(','))
            try:
                return bytes(board.uc.mem_read(addr, length)).hex()
            except UcError:
                return 'E01'
        if cmd == 'M':
            head, data = packet[1:].split(':')
            addr = int(head.split(',')[0], 16)
            try:
                board.uc.mem_write(addr, bytes.fromhex(data))
                board.uc.ctl_remove_cache(addr, addr + len(data) // 2)
                return 'OK'
            except UcError:
                return 'E01'
        if packet.startswith('Z0') or packet.startswith('Z1'):
            self.add_breakpoint(int(packet.split(',')[1], 16) & ~1)
            return 'OK'
        if packet.startswith('z0') or packet.startswith('z1'):
            self.remove_breakpoint(int(packet.split(',')[1], 16) & ~1)
            return 'OK'
        if cmd == 'c':
            return self.cont()
        if cmd == 's':
            return self.step()
        if packet.startswith('vCont?'):
            return ''
        return ''


def serve(board, port, seconds=10.0, host='127.0.0.1'):
    """Waits for one GDB connection on host:port and serves it until detach/kill."""
    import sys
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen(1)
    print(f'h7sim: waiting for gdb on {host}:{server.getsockname()[1]} '
          f'(gdb-multiarch {board.elf_path} -ex "target remote :{server.getsockname()[1]}")', file=sys.stderr)
    conn, _ = server.accept()
    server.close()
    stub = GdbStub(board, conn, seconds)
    try:
        while True:
            packet = stub.read_packet()
            if packet is None:
                break
            if packet in ('k', 'D') or packet.startswith('D;'):
                stub.send('OK')
                break
            stub.send(stub.handle(packet))
    finally:
        conn.close()
