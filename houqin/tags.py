"""Label tokens: unguessable, Crockford base32, never a database id."""
import secrets

CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
TOKEN_LENGTH = 10


def new_token():
    """A fresh 10-character token (50 bits from secrets)."""
    return ''.join(secrets.choice(CROCKFORD) for _ in range(TOKEN_LENGTH))
