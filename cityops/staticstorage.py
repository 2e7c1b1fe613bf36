"""Static files for a proxy that serves them itself: every collected file public (0644), compressed copies too.

WhiteNoise writes its .gz (and .br) copies with plain `open()`, so they get the mode of the umask of whoever runs
`collectstatic` — 0600 under the Debian kit's units and `cityops-manage` (UMask 0077). nginx (www-data) then
cannot read them and `gzip_static` falls back to the uncompressed file. Here they get the storage's
`file_permissions_mode`, like the files they compress.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


# whitenoise ships no type information, so its storage is `Any` to mypy.
class PublicCompressedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def compress_files(self, paths: Any) -> Iterator[tuple[str, str]]:
        for name, compressed_name in super().compress_files(paths):
            if self.file_permissions_mode is not None:
                os.chmod(self.path(compressed_name), self.file_permissions_mode)
            yield name, compressed_name
