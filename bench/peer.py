#!/usr/bin/python3
# peer.py: the benchmark's peer, a plain Python 3 script with the hivex
# binding (Debian python3-hivex) that reads the registry values the TLS 1.2
# rules read, for every host of a fleet, and hashes nothing.
#
#   peer.py FLEET                  one line per value: host, key, value, data
#   peer.py --check DB FLEET       also compares with a hiveaudit store: every
#                                  REG_DWORD / REG_SZ evidence row of the
#                                  store's latest run for a value the peer
#                                  reads must have the data the peer read
#
# FLEET holds one folder per host with SYSTEM and SOFTWARE (bench/benchfleet).
import os
import sqlite3
import sys

import hivex

NETFX = ["Microsoft\\.NETFramework\\v4.0.30319",
         "Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319"]
WINHTTP = ["Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp",
           "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp"]
SOFTWARE_VALUES = [
    ("Microsoft\\Windows NT\\CurrentVersion",
     ["ProductName", "CurrentVersion", "CurrentBuildNumber", "CSDVersion", "UBR"]),
    ("Microsoft\\NET Framework Setup\\NDP\\v4\\Full", ["Release"]),
    ("Policies\\Microsoft\\SystemCertificates\\AuthRoot", ["DisableRootAutoUpdate"]),
] + [(k, ["SystemDefaultTlsVersions", "SchUseStrongCrypto"]) for k in NETFX] \
  + [(k, ["DefaultSecureProtocols"]) for k in WINHTTP]
CBS = "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"
KBS = ("KB4019276", "KB3140245")
ROOTS = ["DF3C24F9BFD666761B268073FE06D1CC8D4F82A4", "A8985D3A65E5E5C4B2D7D66D40C6DD2FB19C5436",
         "D4DE20D05E66FC53FE1A50882C78DB2852CAE474", "58E8ABB0361533FB80F79B1B6D29D3FF8D5F00F0",
         "73A5E64A3BFF8316FF0EDCCC618A906E4EAE4D74", "999A64C37FF47D9FAB95F14769891460EEC4C3C5"]
STORES = ["Microsoft\\SystemCertificates\\ROOT\\Certificates",
          "Microsoft\\SystemCertificates\\AuthRoot\\Certificates",
          "Policies\\Microsoft\\SystemCertificates\\Root\\Certificates",
          "Microsoft\\EnterpriseCertificates\\Root\\Certificates",
          "Microsoft\\SystemCertificates\\Disallowed\\Certificates"]
SCHANNEL = "Control\\SecurityProviders\\SCHANNEL\\Protocols"
PROTOCOLS = ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2"]


def node(h, path):
    n = h.root()
    for part in path.split("\\"):
        try:
            n = h.node_get_child(n, part)
        except RuntimeError:
            return None
        if not n:
            return None
    return n


def value(h, n, name):
    try:
        return h.node_get_value(n, name)
    except RuntimeError:  # the binding's "not found"
        return None


def render(h, v):
    t, _ = h.value_type(v)
    if t == 4:  # REG_DWORD
        d = h.value_dword(v) & 0xFFFFFFFF
        return "0x%08x (%d)" % (d, d)
    if t in (1, 2):  # REG_SZ, REG_EXPAND_SZ
        return '"%s"' % h.value_string(v)
    return "type %d, %d bytes" % (t, len(h.value_value(v)[1]))


def values(h, key, names, out):
    n = node(h, key)
    if not n:
        return
    for name in names:
        v = value(h, n, name)
        if v:
            out.append((key, name, render(h, v)))


def read_host(folder):
    out = []
    s = hivex.Hivex(os.path.join(folder, "SYSTEM"))
    sel = node(s, "Select")
    cur = value(s, sel, "Current") if sel else None
    cur = s.value_dword(cur) if cur else 1
    cs = "ControlSet%03d" % cur
    values(s, cs + "\\Control\\ComputerName\\ComputerName", ["ComputerName"], out)
    values(s, cs + "\\Control\\ProductOptions", ["ProductType"], out)
    for p in PROTOCOLS:
        values(s, "%s\\%s\\%s\\Client" % (cs, SCHANNEL, p), ["Enabled", "DisabledByDefault"], out)
    w = hivex.Hivex(os.path.join(folder, "SOFTWARE"))
    for key, names in SOFTWARE_VALUES:
        values(w, key, names, out)
    pk = node(w, CBS)
    for c in (w.node_children(pk) if pk else []):
        name = w.node_name(c)
        if any(kb in name for kb in KBS):
            values(w, CBS + "\\" + name, ["CurrentState"], out)
    for store in STORES:
        for t in ROOTS:
            values(w, store + "\\" + t, ["Blob"], out)
    return out


def main(argv):
    db = None
    if len(argv) == 4 and argv[1] == "--check":
        db, fleet = argv[2], argv[3]
    elif len(argv) == 2:
        fleet = argv[1]
    else:
        sys.stderr.write("usage: peer.py [--check DB] FLEET\n")
        return 2
    read = {}
    for h in sorted(os.listdir(fleet)):
        folder = os.path.join(fleet, h)
        if not os.path.isfile(os.path.join(folder, "SYSTEM")):
            continue
        try:
            got = read_host(folder)
        except RuntimeError as e:  # a damaged hive (the sample fleet has some)
            sys.stderr.write("peer.py: %s: %s\n" % (h, e))
            continue
        for key, name, data in got:
            read[(h, key.lower(), name.lower())] = data
            if db is None:
                print("%s\t%s\t%s\t%s" % (h, key, name, data))
    if db is None:
        return 0
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute(
        "SELECT DISTINCT h.label, e.key_path, e.value_name, e.data FROM evidence e"
        " JOIN findings f USING (finding_id) JOIN hosts h USING (host_id)"
        " WHERE h.run_id = (SELECT max(run_id) FROM runs)"
        " AND e.value_type IN ('REG_DWORD', 'REG_SZ')").fetchall()
    keys = {(k, n) for (_, k, n) in read}
    compared = bad = 0
    for label, key, name, data in rows:
        if (key.lower(), name.lower()) not in keys:
            continue
        compared += 1
        mine = read.get((label, key.lower(), name.lower()))
        if mine != data:
            bad += 1
            if bad <= 10:
                print("differs: %s %s\\%s: store %s, peer %s" % (label, key, name, data, mine))
    print("peer check: %d values read by the peer; %d store evidence values compared, %d differ"
          % (len(read), compared, bad))
    return 1 if bad or not compared else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
