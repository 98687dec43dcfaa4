"""Files and folders only the registry's own user may read: 0600 files, 0700 folders.

The database, the secrets and the release files hold what the registry protects, so nobody
else on the machine may read them, whatever umask the process was started with. The process
umask only ever removes permissions, so each new file and folder is made with the wanted mode
and then set to it exactly. Existing files and folders keep the mode they have: they are the
operator's (a data folder shared with a backup group, a release folder on a share).
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Create ``path`` and any missing parents with mode 0700; existing ones stay as they are."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it between the check and the mkdir
        os.chmod(folder, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 (its folders 0700) unless it exists already."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (replacing its content), the file mode 0600 from the start.

    A file that existed is set to 0600 too before anything is written: a release file written
    again must not keep a wider mode from elsewhere.
    """
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
    finally:
        if fd != -1:
            os.close(fd)
    return path
