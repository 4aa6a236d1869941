#!/usr/bin/env node
import { favourSmallHeap } from '../core/heap.ts';
import { main } from './main.ts';

favourSmallHeap();
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
