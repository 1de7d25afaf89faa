#!/usr/bin/env python3
"""Fills unfinished messages of a .ts file from a {source: translation} table (de.py).
Usage: fill.py confab_de.ts de.py. Prints the sources it has no translation for."""
import importlib.util, sys
import xml.etree.ElementTree as ET

ts, table = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location('table', table)
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
tree = ET.parse(ts)
missing = []
for m in tree.getroot().iter('message'):
    src = m.find('source').text
    tr = m.find('translation')
    if src not in mod.T:
        missing.append(src); continue
    value = mod.T[src]
    tr.attrib.pop('type', None)
    if m.get('numerus') == 'yes':
        for child in list(tr): tr.remove(child)
        tr.text = None
        for form in value:
            ET.SubElement(tr, 'numerusform').text = form
    else:
        tr.text = value
tree.write(ts, encoding='utf-8', xml_declaration=True)
with open(ts, 'r+', encoding='utf-8') as f:
    body = f.read().replace("<?xml version='1.0' encoding='utf-8'?>", '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>', 1)
    f.seek(0); f.write(body); f.truncate()
for s in missing: print('untranslated:', repr(s))
sys.exit(1 if missing else 0)
