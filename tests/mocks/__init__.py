"""Tests of the hardware mocks, driven through real protocol bytes."""
