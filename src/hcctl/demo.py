"""`make demo`: the main job, end to end. It grows with each part that lands."""

from __future__ import annotations


def main() -> None:
    print("hcctl demo: nothing to show yet")


if __name__ == "__main__":
    main()
