"""Gongxiao (供销): a county Supply and Marketing Cooperative and its farmers' federation."""
