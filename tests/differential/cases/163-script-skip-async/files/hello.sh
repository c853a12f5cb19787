#!/bin/sh
echo "ran with $1"
