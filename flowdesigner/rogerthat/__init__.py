"""Rogerthat message-flow XML (MessageFlow.1.xsd, Apache-2.0, by Green Valley/Rogerthat) as an
import and export format. `xml_import` maps a definition set onto our flow document; `xml_export`
maps a flow document back for the elements that have a counterpart."""
