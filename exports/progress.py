"""Progress bars of the exports commands: tqdm on the command's stderr, drawn only when it is
a terminal (quiet in tests, CI, pipes and logs)."""

from __future__ import annotations


class _ProgressStream:
    """The file tqdm draws on: a command's stderr written as is (Django's ``OutputWrapper``
    would end every write with a newline and colour it as an error)."""

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


def progress_bar(stream, **kwargs):
    from tqdm import tqdm

    # disable=None: tqdm draws only when the stream is a terminal.
    return tqdm(file=_ProgressStream(stream), disable=None, **kwargs)
