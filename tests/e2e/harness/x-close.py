#!/usr/bin/python3
"""Asks X windows to close the way a window manager's close button does: a WM_DELETE_WINDOW
client message (ICCCM), which the app may handle (Switchboard hides to the tray). Xvfb runs no
window manager, and xdotool only destroys windows, so the e2e tests send it with Xlib.

    x-close.py WINDOW_ID...
"""

import ctypes
import ctypes.util
import sys

xlib = ctypes.CDLL(ctypes.util.find_library("X11"))
xlib.XOpenDisplay.restype = ctypes.c_void_p
xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
xlib.XInternAtom.restype = ctypes.c_ulong
xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
xlib.XFlush.argtypes = [ctypes.c_void_p]
xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]

CLIENT_MESSAGE = 33


class ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    # XEvent is a union padded to 24 longs.
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dpy = xlib.XOpenDisplay(None)
    if not dpy:
        print("x-close: cannot open the display", file=sys.stderr)
        return 1
    protocols = xlib.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
    delete = xlib.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
    for arg in argv[1:]:
        window = int(arg, 0)
        ev = XEvent()
        ev.xclient.type = CLIENT_MESSAGE
        ev.xclient.window = window
        ev.xclient.message_type = protocols
        ev.xclient.format = 32
        ev.xclient.data[0] = delete
        ev.xclient.data[1] = 0  # CurrentTime
        if not xlib.XSendEvent(dpy, window, 0, 0, ctypes.byref(ev)):
            print(f"x-close: XSendEvent to {arg} failed", file=sys.stderr)
            return 1
    xlib.XFlush(dpy)
    xlib.XCloseDisplay(dpy)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
