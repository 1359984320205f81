#!/usr/bin/env python3
"""An independent reader of FieldSync bundles (format v1), written from
Protocol/bundle-format.md alone, that checks the vectors in this folder.

It is the auditor's second implementation: if it and the Swift reader agree on every
vector, the specification says enough. Needs the `cryptography` package.

    python3 Protocol/vectors/check_vectors.py
"""
import hashlib
import json
import os
import struct
import sys
import zlib

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIB = 1 << 20
HERE = os.path.dirname(os.path.abspath(__file__))


class BundleError(Exception):
    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}")
        self.code = code


class Reader:
    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what

    def take(self, n):
        if n > len(self.data) - self.pos:
            raise BundleError(self.what, "ends early")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self): return self.take(1)[0]
    def u16(self): return struct.unpack(">H", self.take(2))[0]
    def u32(self): return struct.unpack(">I", self.take(4))[0]
    def u64(self): return struct.unpack(">Q", self.take(8))[0]

    def utf8(self, n):
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise BundleError(self.what, "invalid UTF-8")

    def short(self): return self.utf8(self.u16())


def has_control(s):
    """Unicode category Cc: U+0000-U+001F and U+007F-U+009F (B19: tables and columns)."""
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s)


def is_identifier(s):
    return 0 < len(s) <= 64 and "a" <= s[0] <= "z" and all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in s)


def vector(r):
    n = r.u32()
    if n > (len(r.data) - r.pos) // 24:
        raise BundleError("headerInvalid", "vector longer than the header")
    out, prev = [], None
    for _ in range(n):
        site, seq = r.take(16), r.u64()
        if prev is not None and not prev < site:
            raise BundleError("headerInvalid", "vector sites not ascending")
        if seq == 0:
            raise BundleError("headerInvalid", "zero entry")
        if seq > 2**63 - 1:
            raise BundleError("headerInvalid", "entry beyond 2^63 - 1")
        prev = site
        out.append((site.hex(), seq))
    return out


def parse_header(h):
    r = Reader(h, "headerInvalid")
    hd = {"bundleID": r.take(16)}
    kind = r.u8()
    if kind not in (1, 2):
        raise BundleError("headerInvalid", "kind")
    hd["kind"] = kind
    hd["sender"] = r.take(16).hex()
    hd["senderName"] = r.short()
    if len(hd["senderName"].encode()) > 255:
        raise BundleError("headerInvalid", "sender name")
    hd["created"] = r.u64()
    hd["schemaName"] = r.short()
    if not 1 <= len(hd["schemaName"].encode()) <= 255:
        raise BundleError("headerInvalid", "schema name")
    hd["schemaVersion"] = r.u32()
    hd["schemaFingerprint"] = r.take(32).hex()
    n = r.u8()
    if n == 0:
        raise BundleError("headerInvalid", "no recipient")
    if n > 16:
        raise BundleError("tooLarge", "recipients")
    recipients, prev = [], None
    for _ in range(n):
        site, key, wrapped = r.take(16), r.take(32), r.take(48)
        if prev is not None and not prev < site:
            raise BundleError("headerInvalid", "recipients not ascending")
        prev = site
        recipients.append((site, key, wrapped))
    hd["recipients"] = recipients
    hd["ephemeral"] = r.take(32)
    hd["senderVector"] = vector(r)
    hd["assumedVector"] = vector(r)
    flag = r.u8()
    if flag not in (0, 1):
        raise BundleError("headerInvalid", "ack flag")
    hd["acknowledgement"] = vector(r) if flag == 1 else None
    tc = r.u16()
    if tc > 256:
        raise BundleError("tooLarge", "tables")
    tables, prev = {}, None
    for _ in range(tc):
        name = r.short()
        if not is_identifier(name):
            raise BundleError("headerInvalid", "table name")
        if prev is not None and not prev < name.encode():
            raise BundleError("headerInvalid", "tables not ascending")
        prev = name.encode()
        count = r.u64()
        if count == 0:
            raise BundleError("headerInvalid", "zero count")
        if count > 50_000_000:
            raise BundleError("tooLarge", "table count")
        tables[name] = count
    hd["tableCounts"] = tables
    total = r.u64()
    if total > 50_000_000:
        raise BundleError("tooLarge", "total")
    if total != sum(tables.values()):
        raise BundleError("headerInvalid", "total")
    frames = r.u32()
    if not (-(-total // 65536)) <= frames <= total:
        raise BundleError("headerInvalid", "frame count")
    hd["totalChanges"], hd["frameCount"] = total, frames
    if r.pos != len(h):
        raise BundleError("headerInvalid", "leftover bytes")
    return hd


def parse_value(r):
    tag = r.u8()
    if tag == 0:
        return {"type": "null"}
    if tag == 1:
        return {"type": "integer", "value": str(struct.unpack(">q", r.take(8))[0])}
    if tag == 2:
        return {"type": "real", "bits": r.take(8).hex()}
    if tag in (3, 4):
        n = r.u32()
        if n > 16 * MIB:
            raise BundleError("frameInvalid", "value too long")
        if tag == 3:
            s = r.utf8(n)
            return {"type": "text", "utf8": s.encode().hex(), "text": s}
        return {"type": "blob", "hex": r.take(n).hex()}
    raise BundleError("frameInvalid", f"value tag {tag}")


def parse_block(block, refuse_control=True):
    r = Reader(block, "frameInvalid")
    n = r.u32()
    if not 1 <= n <= 65536:
        raise BundleError("frameInvalid", "record count")
    records = []
    for _ in range(n):
        rec = {}
        for key in ("table", "rowID"):
            rec[key] = r.short()
            if not 1 <= len(rec[key].encode()) <= 255:
                raise BundleError("frameInvalid", key)
            if refuse_control and key == "table" and has_control(rec[key]):
                raise BundleError("frameInvalid", key + " holds a control character")
        kind = r.u8()
        if kind not in (1, 2):
            raise BundleError("frameInvalid", "kind")
        rec["kind"] = "set" if kind == 1 else "delete"
        rec["column"] = r.short()
        if len(rec["column"].encode()) > 255:
            raise BundleError("frameInvalid", "column")
        if refuse_control and has_control(rec["column"]):
            raise BundleError("frameInvalid", "column holds a control character")
        rec["value"] = parse_value(r)
        if kind == 1 and rec["column"] == "":
            raise BundleError("frameInvalid", "set without column")
        if kind == 2 and (rec["column"] != "" or rec["value"] != {"type": "null"}):
            raise BundleError("frameInvalid", "delete with column or value")
        rec["stamp"] = str(r.u64())
        rec["origin"] = r.take(16).hex()
        seq = r.u64()
        if seq == 0:
            raise BundleError("frameInvalid", "sequence 0")
        rec["sequence"] = str(seq)
        flag = r.u8()
        if flag == 0:
            rec["base"] = None
        elif flag == 1:
            rec["base"] = {"stamp": str(r.u64()), "site": r.take(16).hex()}
        else:
            raise BundleError("frameInvalid", "base flag")
        records.append(rec)
    if r.pos != len(block):
        raise BundleError("frameInvalid", "leftover bytes")
    return records


def inflate_bounded(data):
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MIB + 1)
    except zlib.error as e:
        raise BundleError("frameInvalid", str(e))
    if len(out) > MIB:
        raise BundleError("tooLarge", "inflated frame")
    if not d.eof:
        raise BundleError("frameInvalid", "zlib stream ends early")
    if d.unused_data:
        raise BundleError("frameInvalid", "bytes after zlib stream")
    return out


def read_bundle(data, site, agreement_private):
    """Returns (header, records), following the spec's reading order."""
    # 1. Preamble (B1-B4).
    if data[:8] != b"FSBUNDLE"[:min(8, len(data))]:
        raise BundleError("notABundle")
    if len(data) < 10:
        raise BundleError("truncated")
    (version,) = struct.unpack(">H", data[8:10])
    if version != 1:
        raise BundleError("unsupportedVersion", version)
    if len(data) < 12:
        raise BundleError("truncated")
    if data[10:12] != b"\0\0":
        raise BundleError("unsupportedFlags")
    if len(data) < 148:
        raise BundleError("truncated")
    signing_key = data[12:44]
    (hlen,) = struct.unpack(">I", data[44:48])
    # 2. Digest and signature (B5, B6).
    digest = hashlib.sha256(data[:-96]).digest()
    if digest != data[-96:-64]:
        raise BundleError("digestMismatch")
    try:
        Ed25519PublicKey.from_public_bytes(signing_key).verify(data[-64:], b"FieldSync bundle v1 signature" + digest)
    except (InvalidSignature, ValueError):
        raise BundleError("signatureInvalid")
    # 4. Header (B7-B15).
    if hlen > MIB:
        raise BundleError("tooLarge", "header")
    if 48 + hlen + 4 + 96 > len(data):
        raise BundleError("truncated")
    header = parse_header(data[48:48 + hlen])
    header_hash = hashlib.sha256(data[:48 + hlen]).digest()
    # 5. Recipient (B20-B22).
    mine = [rc for rc in header["recipients"] if rc[0] == site]
    if not mine:
        raise BundleError("notARecipient")
    _, key, wrapped = mine[0]
    priv = X25519PrivateKey.from_private_bytes(agreement_private)
    if key != priv.public_key().public_bytes_raw():
        raise BundleError("keyMismatch")
    shared = priv.exchange(X25519PublicKey.from_public_bytes(header["ephemeral"]))
    if shared == bytes(32):
        raise BundleError("keyUnwrapFailed")
    wrap_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=header["bundleID"],
                    info=b"FieldSync v1 key wrap" + key + header["ephemeral"]).derive(shared)
    try:
        content_key = ChaCha20Poly1305(wrap_key).decrypt(bytes(12), wrapped, None)
    except InvalidTag:
        raise BundleError("keyUnwrapFailed")
    # 6. Every frame, before any record is handed out (B16-B24).
    aead = ChaCha20Poly1305(content_key)
    pos, body_end, n = 48 + hlen, len(data) - 96, header["frameCount"]
    records, counts = [], {}
    for i in range(n + 1):
        if pos + 4 > body_end:
            raise BundleError("truncated")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if i == n:
            if length != 0:
                raise BundleError("bodyInvalid", "extra frame")
            if pos + 4 != body_end:
                raise BundleError("bodyInvalid", "bytes before the trailer")
            break
        if length == 0:
            raise BundleError("bodyInvalid", "missing frame")
        if length > MIB + 16:
            raise BundleError("tooLarge", "frame")
        if length <= 16:
            raise BundleError("frameInvalid", "too short")
        if length > body_end - pos - 4:
            raise BundleError("truncated")
        sealed = data[pos + 4:pos + 4 + length]
        nonce = bytes(4) + struct.pack(">Q", i)
        aad = header_hash + struct.pack(">IB", i, 1 if i == n - 1 else 0)
        try:
            compressed = aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise BundleError("frameAuthenticationFailed", i)
        batch = parse_block(inflate_bounded(compressed), refuse_control=header["kind"] == 1)
        for rec in batch:
            counts[rec["table"]] = counts.get(rec["table"], 0) + 1
        records.append(batch)
        pos += 4 + length
    if counts != header["tableCounts"]:
        raise BundleError("countMismatch")
    return header, records  # 7. Only now may records be delivered.


def main():
    small = json.load(open(os.path.join(HERE, "v1-small.json"), encoding="utf-8"))
    data = open(os.path.join(HERE, "v1-small.fsb"), "rb").read()
    keys, expected = small["keys"], small["expected"]
    failures = 0
    for rc in keys["recipients"]:
        header, batches = read_bundle(data, bytes.fromhex(rc["site"]), bytes.fromhex(rc["agreementPrivate"]))
        flat = [r for b in batches for r in b]
        want = small["records"]
        # Compare records on their authoritative fields (text by its UTF-8 hex).
        norm = lambda recs: json.dumps(recs, sort_keys=True, ensure_ascii=False)
        if norm(flat) != norm(want):
            print("records differ for recipient", rc["site"]); failures += 1
        if [len(b) for b in batches] != [f["recordCount"] for f in expected["frames"]]:
            print("frame record counts differ"); failures += 1
        if data[48:48 + expected["headerLength"]].hex() != expected["header"]:
            print("header bytes differ"); failures += 1
        if header["totalChanges"] != expected["totalChanges"] or header["frameCount"] != expected["frameCount"]:
            print("header totals differ"); failures += 1
        draft = small["draft"]
        for field in ("kind", "sender", "senderName", "schemaName", "schemaVersion", "schemaFingerprint", "tableCounts"):
            if header[field] != draft[field]:
                print("header field differs:", field); failures += 1
    print(f"v1-small: read as {len(keys['recipients'])} recipients")

    invalid = json.load(open(os.path.join(HERE, "v1-invalid.json"), encoding="utf-8"))
    sender = bytes.fromhex(keys["senderSigningPrivate"])
    first = keys["recipients"][0]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    signer = Ed25519PrivateKey.from_private_bytes(sender)
    count = 0
    for group in invalid["testGroups"]:
        for t in group["tests"]:
            count += 1
            m, b = t["mutation"], bytearray(data)
            if "offset" in m:
                b[m["offset"]] ^= m["xor"]
            if "truncateTo" in m:
                b = b[:m["truncateTo"]]
            if "append" in m:
                b += bytes.fromhex(m["append"])
            if m.get("resign"):
                body = bytes(b[:-96])
                digest = hashlib.sha256(body).digest()
                b = bytearray(body + digest + signer.sign(b"FieldSync bundle v1 signature" + digest))
            try:
                read_bundle(bytes(b), bytes.fromhex(first["site"]), bytes.fromhex(first["agreementPrivate"]))
                print(f"tcId {t['tcId']}: accepted, expected {t['error']}"); failures += 1
            except BundleError as e:
                if e.code != t["error"]:
                    print(f"tcId {t['tcId']} ({t['comment']}): got {e}, expected {t['error']}"); failures += 1
    if count != invalid["numberOfTests"]:
        print("numberOfTests differs"); failures += 1
    print(f"v1-invalid: {count} tests")
    scope = json.load(open(os.path.join(HERE, "sync-v2-scope.json"), encoding="utf-8"))
    for f in scope["feedSites"]:
        # sync-protocol.md P6: SHA-256("fieldsync feed v1" || 0x00 || hub site || township UTF-8), first 16 bytes.
        derived = hashlib.sha256(b"fieldsync feed v1\x00" + bytes.fromhex(f["hubSite"]) + f["township"].encode("utf-8")).digest()[:16]
        if derived.hex() != f["feedSite"]:
            print("feed site differs for", f["hubSite"], f["township"]); failures += 1
    print(f"sync-v2-scope: {len(scope['feedSites'])} feed sites")
    print("FAILED" if failures else "all vectors agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
