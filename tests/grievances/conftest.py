from __future__ import annotations

PHONE = "13912345678"
NAME = "张三丰"
EMAIL = "zhang.sanfeng@example.cn"
