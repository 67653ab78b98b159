#!/usr/bin/python3
"""A minimal StatusNotifierWatcher (and host) on the session bus, for the tray e2e case.

Desktop panels run `org.kde.StatusNotifierWatcher`; an app's tray icon (libayatana-appindicator
under Tauri on Linux) registers its StatusNotifierItem there, and falls back to an invisible
XEmbed icon when no watcher exists. This stands in for the panel: it owns the watcher name,
says a host is present, and prints one line per registered item,
`ITEM <bus name> <object path>`, so the test can read the item's properties and drive its
com.canonical.dbusmenu menu like a panel would. Runs until killed.
"""

import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""

items = []


def say(line):
    print(line, flush=True)


def on_call(conn, sender, path, iface, method, params, invocation):
    if method == "RegisterStatusNotifierItem":
        (service,) = params.unpack()
        # Items register either a bus name (then the path is the spec's default) or, like
        # libayatana-appindicator, their object path (then the bus name is the caller).
        if service.startswith("/"):
            bus, obj = sender, service
        else:
            bus, obj = service, "/StatusNotifierItem"
        key = f"{bus}{obj}"
        if key not in items:
            items.append(key)
            say(f"ITEM {bus} {obj}")
            conn.emit_signal(None, PATH, NAME, "StatusNotifierItemRegistered", GLib.Variant("(s)", (key,)))
        invocation.return_value(None)
    elif method == "RegisterStatusNotifierHost":
        invocation.return_value(None)
    else:
        invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def on_get(conn, sender, path, iface, prop):
    if prop == "RegisteredStatusNotifierItems":
        return GLib.Variant("as", items)
    if prop == "IsStatusNotifierHostRegistered":
        return GLib.Variant("b", True)
    if prop == "ProtocolVersion":
        return GLib.Variant("i", 0)
    return None


def on_bus(conn, name):
    node = Gio.DBusNodeInfo.new_for_xml(XML)
    conn.register_object(PATH, node.interfaces[0], on_call, on_get, None)


def main():
    loop = GLib.MainLoop()
    Gio.bus_own_name(
        Gio.BusType.SESSION,
        NAME,
        Gio.BusNameOwnerFlags.NONE,
        on_bus,
        lambda conn, name: say(f"OWNED {name}"),
        lambda conn, name: (say(f"LOST {name}"), loop.quit()),
    )
    loop.run()
    return 1


if __name__ == "__main__":
    sys.exit(main())
