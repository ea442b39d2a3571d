"""The printed slip: what a member's slip says (`slip.model`), in its own small word table per language
(`slip.words`), laid out in printer columns (`slip.layout`), sent to an ESC/POS thermal printer (`slip.escpos_slip`,
`slip.printers`) or drawn as a PNG for people to look at (`slip.image`). No Qt here: the till's screens and the POS
API both call `print_slip(config, slip)`.
"""
