"""Printed QR labels: layouts in millimetres, fitted text, and the print page, PDF and PNG outputs.

    layouts.py   the built-in and admin-added layouts, and the checks a layout must pass
    fonts.py     finding a font that covers Chinese, or refusing clearly
    compose.py   what goes where on one label (QR square, shrink/wrap/ellipsize text)
    render.py    SVG pages, vector PDF with a subset font, PNG per label
    selection.py which tags to print, their words, and remembering that they were printed
    views.py     the admin pages (selection, print page, downloads, reprint, unclaimed, layouts)
    cli.py       `flask houqin labels ...`
"""
