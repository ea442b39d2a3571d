"""MemberDesk tests: unit, integration and GUI."""
