#!/usr/bin/env python
from gongxiao.cli import main

if __name__ == "__main__":
    main()
