"""MariaDB: MySQL's wire protocol and dialect with its own image, binary names and features."""

from __future__ import annotations

from arena.engines.base import Capabilities
from arena.engines.mysql import MySQL


class MariaDB(MySQL):
    name = "mariadb"
    display_name = "MariaDB"
    default_image = "mariadb:11"
    native_binaries = {"server": ("mariadbd", "mysqld")}
    native_install_hint = "apt-get install mariadb-server (macOS: brew install mariadb)"
    capabilities = Capabilities(
        returning=True,  # INSERT ... RETURNING since 10.5
        skip_locked=True,
        isolation_levels=("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"),
        json=True,  # JSON is an alias of LONGTEXT with a JSON_VALID check
    )

    def container_env(self, user: str, password: str, database: str) -> dict[str, str]:
        env = {"MARIADB_ROOT_PASSWORD": password, "MARIADB_DATABASE": database}
        if user != "root":
            env |= {"MARIADB_USER": user, "MARIADB_PASSWORD": password}
        return env

    # -- domains hooks (DDL rendering, transactions, isolation, error classification) ----
    # A TEXT column indexes whole: plain keys get the longest prefix by themselves, and
    # UNIQUE over TEXT is enforced through a hash of the full value (10.4+).
    # https://mariadb.com/kb/en/create-table/#unique
    text_key_style = "plain"
