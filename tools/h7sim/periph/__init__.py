"""Peripheral models of the simulated STM32H743, one file each (RM0433 register maps)."""
