"""The server side of Cognito's SRP sign-in (``USER_SRP_AUTH`` then ``PASSWORD_VERIFIER``).

Moto difference: moto answers ``USER_SRP_AUTH`` with a random ``SRP_B`` and ``SALT`` and accepts
any ``PASSWORD_CLAIM_SIGNATURE``, so any password signs in. Cognito runs SRP-6a over the 3072-bit
group of RFC 5054 with SHA-256 and proves the password by an HMAC of the pool name, the user's
SRP id, the secret block and the timestamp under a key derived (HKDF, "Caldera Derived Key") from
the shared secret. This module does the same, so a browser's SRP client (amazon-cognito-identity-js)
is checked as Cognito would check it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
INFO = b"Caldera Derived Key\x01"


def pad_hex(value: int) -> str:
    """Even-length hex of a non-negative integer, with a leading ``00`` when its top bit is set
    (Java's ``BigInteger.toByteArray``, as Cognito's clients encode)."""
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    return "00" + text if text[0] in "89abcdef" else text


def _hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(_hex_hash(pad_hex(N) + pad_hex(G)), 16)


def _x(pool_name: str, srp_user: str, password: str, salt: int) -> int:
    secret = hashlib.sha256(f"{pool_name}{srp_user}:{password}".encode()).hexdigest()
    return int(_hex_hash(pad_hex(salt) + secret), 16)


@dataclass(frozen=True)
class Challenge:
    """One ``PASSWORD_VERIFIER`` round, from the client's ``SRP_A`` and the user's password."""

    pool_name: str  # the part of the pool id after "_"
    srp_user: str  # USER_ID_FOR_SRP
    salt: int
    big_b: int
    key: bytes  # the HKDF of the shared secret: what the client must prove it holds
    secret_block: str  # base64

    @classmethod
    def start(cls, pool_id: str, srp_user: str, password: str, srp_a_hex: str) -> Challenge:
        big_a = int(srp_a_hex, 16)
        if big_a % N == 0:
            raise ValueError("SRP_A is not valid")
        pool_name = pool_id.split("_", 1)[1]
        salt = int.from_bytes(secrets.token_bytes(16), "big")
        verifier = pow(G, _x(pool_name, srp_user, password, salt), N)
        small_b = int.from_bytes(secrets.token_bytes(128), "big") % N
        big_b = (K * verifier + pow(G, small_b, N)) % N
        u = int(_hex_hash(pad_hex(big_a) + pad_hex(big_b)), 16)
        shared = pow(big_a * pow(verifier, u, N), small_b, N)
        prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), "sha256")
        key = hmac.new(prk.digest(), INFO, "sha256").digest()[:16]
        block = base64.b64encode(secrets.token_bytes(64)).decode()
        return cls(pool_name, srp_user, salt, big_b, key, block)

    def parameters(self) -> dict[str, str]:
        """``ChallengeParameters`` of the answer to ``InitiateAuth`` (Cognito's names)."""
        return {
            "SALT": format(self.salt, "x"),
            "SRP_B": format(self.big_b, "x"),
            "USER_ID_FOR_SRP": self.srp_user,
            "SECRET_BLOCK": self.secret_block,
        }

    def proven(self, timestamp: str, signature: str) -> bool:
        """Whether ``PASSWORD_CLAIM_SIGNATURE`` proves the password."""
        message = (
            self.pool_name.encode()
            + self.srp_user.encode()
            + base64.b64decode(self.secret_block)
            + timestamp.encode()
        )
        expected = base64.b64encode(hmac.new(self.key, message, "sha256").digest()).decode()
        return hmac.compare_digest(expected, signature)
