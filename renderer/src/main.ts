import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { app } from './lib/state.svelte';

const target = document.getElementById('app')!;
app.init().catch((e) => {
  target.textContent = `Concept Studio could not start: ${e instanceof Error ? e.message : String(e)}`;
  throw e;
});
mount(App, { target });
