// L-shaped domain [0,1]^2 minus (0.5,1]x(0.5,1]: a re-entrant corner at (0.5,0.5), where the
// solutions are singular and A^-1 decays differently than on the convex square. Inside the unit
// square because the coefficient f = exp(p) is scaled to its contrast on [0,1]^2
// (training/coefficient.c). Quasi-uniform triangles of size h:
//   gmsh -2 -format msh22 -setnumber h 0.1 l_shape.geo -o out.msh
// The boundary is Physical Curve 1 ("boundary") as in unit_square.geo; PETSc marks it itself
// with DMPlexMarkBoundaryFaces (training/mesh.c), so any closed outline works unchanged.
DefineConstant[ h = {0.1, Name "h"} ];
Point(1) = {0, 0, 0, h};
Point(2) = {1, 0, 0, h};
Point(3) = {1, 0.5, 0, h};
Point(4) = {0.5, 0.5, 0, h};
Point(5) = {0.5, 1, 0, h};
Point(6) = {0, 1, 0, h};
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 5};
Line(5) = {5, 6};
Line(6) = {6, 1};
Curve Loop(1) = {1, 2, 3, 4, 5, 6};
Plane Surface(1) = {1};
Physical Curve("boundary", 1) = {1, 2, 3, 4, 5, 6};
Physical Surface("domain", 2) = {1};
