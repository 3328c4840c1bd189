import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { installPixelScaling } from './components/pixel-scaling'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
installPixelScaling()
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>
)
