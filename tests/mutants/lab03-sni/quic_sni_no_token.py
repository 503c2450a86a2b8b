# mutant of quic_sni_answer: forgets the token field of the long header (it is empty in a client's
# first Initial, unless a server sent one)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import censorsim as cs


def quic_sni(datagrams):
    """The server name in the ClientHello carried by a client's QUIC Initial packets."""

    def varint(data, i):
        size = 1 << (data[i] >> 6)
        return int.from_bytes(bytes([data[i] & 0x3F]) + data[i + 1 : i + size]), i + size

    keys, pieces = None, {}
    for d in datagrams:
        at = 0
        while at < len(d) and d[at] != 0:  # zero bytes after the last packet are padding
            dcid = d[at + 6 : at + 6 + d[at + 5]]
            if keys is None:
                keys = cs.wire.quic_initial_keys(dcid)
                aead = AESGCM(keys.key)
                hp = Cipher(algorithms.AES(keys.hp), modes.ECB())
            i = at + 6 + len(dcid)
            i += 1 + d[i]  # the source connection ID
            length, pn_at = varint(d, i + 1)  # the token length is 0
            mask = hp.encryptor().update(d[pn_at + 4 : pn_at + 20])
            first = d[at] ^ (mask[0] & 0x0F)
            pn_length = (first & 0x03) + 1
            pn = bytes(b ^ m for b, m in zip(d[pn_at : pn_at + pn_length], mask[1:], strict=False))
            header = bytes([first]) + d[at + 1 : pn_at] + pn
            nonce = (int.from_bytes(keys.iv) ^ int.from_bytes(pn)).to_bytes(12)
            plain = aead.decrypt(nonce, d[pn_at + pn_length : pn_at + length], header)
            j = 0
            while j < len(plain):
                if plain[j] == 0x06:  # CRYPTO: offset, length, data
                    offset, j = varint(plain, j + 1)
                    size, j = varint(plain, j)
                    pieces[offset] = plain[j : j + size]
                    j += size
                else:  # PADDING (0x00) and PING (0x01) are one byte each
                    j += 1
            at = pn_at + length
    stream = b""
    for offset in sorted(pieces):
        if offset <= len(stream):
            stream += pieces[offset][len(stream) - offset :]
    record = b"\x16\x03\x01" + len(stream).to_bytes(2) + stream
    return cs.extract_sni(record)
