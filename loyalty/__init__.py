"""MemberDesk loyalty rules: pure domain logic (phones, points, tiers, member codes), no I/O and no Qt."""
