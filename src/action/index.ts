import { favourSmallHeap } from '../core/heap.ts';
import { run } from './main.ts';

favourSmallHeap();
void run();
