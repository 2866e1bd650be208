"""SFTP Import: the entry point that fetches CSV/TSV files from an SFTP folder and enters each valid row."""
