import { removeScratch } from '../helpers/scratch.js';

// Runs after every test file: removes the temporary directories its tests made.
afterAll(() => removeScratch());
